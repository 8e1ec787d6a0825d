"""Deployment to Google Cloud: Terraform (``deploy/terraform``), the Dataflow Flex Template
(``deploy/dataflow``) and the dbt Cloud Run job (``deploy/dbt``).

``python -m deploy {infra,pipeline,dbt}`` prints the exact commands of each step, or runs them
with ``--run``; ``make deploy-infra``, ``make deploy-pipeline`` and ``make deploy-dbt`` wrap it.
"""
