// The same normalisation as people/roles.py: a lane may name a role by code or either title.
const normalise = (s) => String(s || '').replace(/\u200c/g, ' ').split(/\s+/).filter(Boolean).join(' ').toLowerCase();

/** The role a lane's name names among [{code, title_fa, title_en}], or undefined. */
function roleOfLane(name, roles) {
  const n = normalise(name);
  return (roles || []).find((r) => [r.code, r.title_fa, r.title_en].some((t) => normalise(t) === n));
}

module.exports = { normalise, roleOfLane };
