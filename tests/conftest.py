"""Make the checkout importable as ansible_collections.kyma.mtls (and its local environment as
ansible_collections.kyma_mtls.localenv), as `make collection` lays them out."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, ".build", "collections")
LINKS = {os.path.join(COLLECTIONS, "ansible_collections", "kyma", "mtls"): "../../../..",
         os.path.join(COLLECTIONS, "ansible_collections", "kyma_mtls", "localenv"): "../../../../localenv"}

for link, target in LINKS.items():
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(target, link)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)
