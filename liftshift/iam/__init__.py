"""``liftshift iam``: the SageMaker execution role becomes a least-privilege service account.

``policies`` reads policy documents, ``role`` fetches them with boto3, ``mapping`` turns them
(or the plan alone) into the plan's ``[iam]`` section, ``planning`` ties scan, role and plan
together, ``gcp`` applies the grants idempotently, and ``sts_trust`` writes the AWS side of a
federated Storage Transfer Service role.
"""
