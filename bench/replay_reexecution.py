#!/usr/bin/env python
"""Benchmark 6b (issue 7): verification by re-execution, the auditors' proof that the stored
state is what the recorded events produce.

    .venv/bin/python bench/replay_reexecution.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/replay_reexecution.py --db sqlite --messages 300

Fills a throw-away database with real instances made by the engine: 137 messages that loop
once (not satisfied, not confirmed, answered again, satisfied; about 12 events each) and
complaints worked to their end. Then prints, per database:
  * verify all: engine.replay.verify.iter_verify over every instance (what `flask audit verify`
    and the "all" page do), in events and instances per second;
  * step-through page: one replay_instance with its steps kept (what each click of
    /audit/instances/<id>/replay costs), in milliseconds.
Every instance must verify; a mismatch is printed.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from app.demo import load_demo_data  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402
import engine as runtime  # noqa: E402
from modeling.deploy import deploy_process  # noqa: E402
from engine.replay.verify import iter_verify, replay_instance  # noqa: E402
from programmes import build_city_engine  # noqa: E402
from models import Event, HumanTask, Instance, make_engine, make_session_factory  # noqa: E402
from people.accounts import find_district, find_user  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch_database import PG_ADMIN_URL, create_database, loadavg  # noqa: E402

INTAKE = {"channel": "phone", "category": "service", "description": "چراغ کوچه خاموش است.",
          "location": "خیابان بهار، کوچه ۱۲", "citizen_phone": "09123456789", "outcome": "referred"}
MESSAGE_STEPS = (
    ("Task_register_message", "intake_operator_d1", INTAKE),
    ("Task_executive_reply", "department_head_d1", {"reply_text": "لامپ تعویض شد."}),
    ("Task_feedback_call", "feedback_unit_d1", {"satisfied": "no", "feedback_note": "هنوز خاموش است."}),
    ("Task_field_investigation", "followup_unit_d1", {"answer_confirmed": "no", "investigation_findings": "نه"}),
    ("Task_executive_reply", "department_head_d1", {"reply_text": "تعمیر شد."}),
    ("Task_feedback_call", "feedback_unit_d1", {"satisfied": "yes"}),
)
COMPLAINT_STEPS = (
    ("Task_register_complaint", "pr_expert_d1", {
        "complainant_name": "مریم احمدی", "channel": "phone", "subject": "آسفالت",
        "complaint_type": "service", "description": "چاله در خیابان."}),
    ("Task_examine_service_complaint", "pr_expert_d1", {
        "findings": "بررسی شد.", "justified": "yes", "answer_text": "ترمیم شد."}),
    ("Task_review_answer", "pr_head_d1", {"decision": "approve"}),
    ("Task_announce_result", "pr_expert_d1", {
        "announcement_channel": "sms", "announced_on": "2026-11-25"}),
)


def fill(factory, messages: int, complaints: int) -> None:
    session = factory()
    load_demo_data(session)
    for name in ("citizen_message_137", "complaints"):
        path = REPO / "processes" / f"{name}.bpmn"
        deploy_process(session, path.read_bytes(), filename=path.name)
    session.commit()
    district = find_district(session, "d1").id
    for key, count, steps, starter in (("citizen_message_137", messages, MESSAGE_STEPS, "intake_operator_d1"),
                                       ("complaints", complaints, COMPLAINT_STEPS, "pr_expert_d1")):
        for _ in range(count):
            instance = runtime.start_instance(session, key, find_user(session, starter), district)
            for spec, username, data in steps:
                task = session.scalars(select(HumanTask).where(
                    HumanTask.instance_id == instance.id, HumanTask.task_spec == spec,
                    HumanTask.status == "ready")).one()
                runtime.complete_task(session, task.id, find_user(session, username), data)
            session.commit()
    session.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--messages", type=int, default=150)
    parser.add_argument("--complaints", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"# replay_reexecution  messages={args.messages}  complaints={args.complaints}  "
          f"repeat={args.repeat} (median)  cores={os.cpu_count()}  load={loadavg():.2f}")
    rows = []
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        url, cleanup = create_database(kind, args.pg_admin_url, "bench_replay")
        try:
            upgrade_database(url)
            engine = make_engine(url)
            factory = make_session_factory(engine, info=build_city_engine().session_info())
            t0 = time.perf_counter()
            fill(factory, args.messages, args.complaints)
            session = factory()
            events = session.scalar(select(func.count(Event.id)))
            instances = session.scalar(select(func.count(Instance.id)))
            print(f"{kind}: {instances:,} instances, {events:,} events made in "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
            times, bad = [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                bad = [(iid, r.first_divergence, r.reason) for iid, r in iter_verify(session)
                       if not r.matches]
                times.append(time.perf_counter() - t0)
                session.expunge_all()
            secs = statistics.median(times)
            rows.append((kind, "verify all (re-execution)", f"{events / secs:,.0f} events/s",
                         f"{instances / secs:,.1f} instances/s", "all match" if not bad else f"{len(bad)} MISMATCH {bad[:3]}"))
            looped = session.scalars(select(Instance).where(
                Instance.process_key == "citizen_message_137").limit(1)).one()
            page = []
            for _ in range(max(args.repeat, 5)):
                t0 = time.perf_counter()
                result = replay_instance(session, looped)
                page.append(time.perf_counter() - t0)
            rows.append((kind, f"one step-through page ({len(result.steps)} events)",
                         f"{statistics.median(page) * 1000:,.0f} ms", "", "match" if result.matches else "MISMATCH"))
            session.close()
            engine.dispose()
        finally:
            cleanup()
    print(f"\n{'db':<11}{'measure':<40}{'rate':>18}{'':>20}  note")
    for kind, label, rate, rate2, note in rows:
        print(f"{kind:<11}{label:<40}{rate:>18}{rate2:>20}  {note}  (load {loadavg():.2f})")


if __name__ == "__main__":
    main()
