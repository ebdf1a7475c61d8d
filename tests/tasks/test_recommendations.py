"""A recommendation end to end with a real worker process: API -> broker -> worker -> local API -> graph -> result."""

from __future__ import annotations

from server.extensions import db
from server.graph import store as graph
from tests.server.fixtures_app import AUTH, new_account


def post(stack, username: str):
    return stack.client.post("/api/v1/recommendations", json={"username": username}, headers=AUTH)


def test_a_recommendation_runs_end_to_end_through_the_api(embedded_stack, local_twitter):
    user = new_account(local_twitter, "workrec", ["what a lovely day", "so glad to see you all"])
    sam = local_twitter.world.user_by_username("sunny_sam")
    carla = local_twitter.world.user_by_username("calm_carla")
    local_twitter.add_follow(user["id"], sam["id"])
    with embedded_stack.app.app_context():  # stored earlier (an import): whom the followee follows, and its name
        graph.store_follows([(int(sam["id"]), int(carla["id"]))], source="snap")
        graph.store_graph_accounts([(int(carla["id"]), "calm_carla")])
        db.session.commit()

    response = post(embedded_stack, user["username"])
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert job["kind"] == "recommendations"
    assert post(embedded_stack, user["username"]).get_json()["job"]["id"] == job["id"]  # joined while active

    done = embedded_stack.wait(job["id"])
    assert done["state"] == "succeeded", done
    assert done["progress"]["classified"] == 2  # no analysis yet: the worker analysed the account first
    result = embedded_stack.client.get(done["links"]["result"], headers=AUTH).get_json()["recommendation"]
    latest = embedded_stack.client.get(done["links"]["latest"], headers=AUTH).get_json()["recommendation"]
    assert result == latest and result["degraded"] is False
    assert [(a["id"], a["username"]) for a in result["big_accounts"]] == [(carla["id"], "calm_carla")]
    assert result["links"]["analysis"].startswith("/api/v1/analyses/")

    # On an API tier without follow lists the next run ranks on the stored graph, marked degraded.
    local_twitter.set_follows_forbidden(True)
    again = embedded_stack.wait(post(embedded_stack, user["username"]).get_json()["job"]["id"])
    assert again["state"] == "succeeded" and again["progress"]["fetched"] == 0, again
    degraded = embedded_stack.client.get(again["links"]["result"], headers=AUTH).get_json()["recommendation"]
    assert degraded["degraded"] is True and "403" in degraded["degraded_reason"]
    assert degraded["big_accounts"] == result["big_accounts"]
