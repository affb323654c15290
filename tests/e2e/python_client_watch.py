"""The official Kubernetes Python client against the sandbox: lists and watches.

The client sends booleans as Python spells them (watch=True, allowWatchBookmarks=True); the
sandbox must decode them as kube-apiserver does, or the watch comes back as a plain list.
usage: python_client_watch.py <kubeconfig>
"""
import sys
import threading
import time

from kubernetes import client, config, watch


def config_map(name):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"k": name})


def main():
    config.load_kube_config(config_file=sys.argv[1])
    v1 = client.CoreV1Api()
    v1.create_namespaced_config_map("default", config_map("before"))

    # watch=False is sent as "False": still a list.
    listed = v1.list_namespaced_config_map("default", watch=False)
    names = [cm.metadata.name for cm in listed.items]
    assert names == ["before"], names

    def create_after():
        time.sleep(0.5)
        v1.create_namespaced_config_map("default", config_map("after"))

    creator = threading.Thread(target=create_after)
    creator.start()
    seen = []
    w = watch.Watch()
    for event in w.stream(v1.list_namespaced_config_map, "default", timeout_seconds=15,
                          allow_watch_bookmarks=True):
        if event["type"] == "BOOKMARK":
            continue
        seen.append((event["type"], event["object"].metadata.name))
        if event["object"].metadata.name == "after":
            w.stop()
    creator.join()
    # The replay of what exists, then the live change.
    assert seen == [("ADDED", "before"), ("ADDED", "after")], seen
    print("python client: list and watch OK:", seen)


if __name__ == "__main__":
    main()
