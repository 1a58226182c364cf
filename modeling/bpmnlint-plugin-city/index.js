// This system's diagram rules as a bpmnlint plugin: the studio runs them while a process owner
// draws (app/static/studio/lint.js). They mirror what the server refuses (modeling/rules.py,
// engine/spiff/parsing.py) so that a problem shows before saving; the server stays the
// authority. Messages are fixed English texts: the studio translates them (translate.js).
module.exports = {
  configs: {
    recommended: {
      rules: {
        'lane-role': 'error',
        'task-in-lane': 'error',
        'user-task-form': 'error',
        'timer-expression': 'error',
      },
    },
  },
};
