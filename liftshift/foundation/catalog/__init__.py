"""The editable tables both the planner and the trainer read: machines, scale tiers and
SageMaker instance types (``machines``), prebuilt Vertex containers (``containers``)."""
