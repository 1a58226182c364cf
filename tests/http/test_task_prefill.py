"""A task that comes round again shows what people typed last time, never their earlier choice."""
from http_support import EXAMINATION, REVIEW_RETURN, page_text


def _returned_to_review(arrange):
    instance_id, register = arrange.registered_service_instance()
    examine = arrange.only_open_task(instance_id)
    arrange.complete(examine.id, "pr_expert_d1", EXAMINATION)
    review = arrange.only_open_task(instance_id)
    arrange.complete(review.id, "pr_head_d1", REVIEW_RETURN)
    examine_again = arrange.only_open_task(instance_id)
    arrange.complete(examine_again.id, "pr_expert_d1", EXAMINATION)
    return arrange.only_open_task(instance_id)


def test_second_review_does_not_preselect_the_earlier_return_decision(arrange, login):
    review_again = _returned_to_review(arrange)
    html = page_text(login("pr_head_d1").get(f"/tasks/{review_again.id}"))
    assert 'value="return"' in html
    assert "checked" not in html.split('value="return"')[1].split(">")[0]
    assert "checked" not in html.split('value="approve"')[1].split(">")[0]


def test_reexamination_shows_the_answer_typed_the_first_time(arrange, login):
    instance_id, _ = arrange.registered_service_instance()
    arrange.complete(arrange.only_open_task(instance_id).id, "pr_expert_d1", EXAMINATION)
    arrange.complete(arrange.only_open_task(instance_id).id, "pr_head_d1", REVIEW_RETURN)
    examine_again = arrange.only_open_task(instance_id)
    html = page_text(login("pr_expert_d1").get(f"/tasks/{examine_again.id}"))
    assert EXAMINATION["answer_text"] in html
