"""Packaging, training backends, job monitor, model registry. No UI.

The calls other parts use (the CLI, the app, ``liftshift run``):

- ``jobs.build_job_spec(plan, settings, overrides) -> JobSpec``: pure, what would be sent;
  ``jobs.custom_job_request`` / ``jobs.model_upload_request`` give it as request bodies.
- ``service.start_training(plan, settings, overrides, reporter=...) -> TrainResult`` then
  ``service.finish_training(result, settings, reporter=..., stop=...)``; ``service.train`` both.
- ``backends.get_backend(settings) -> TrainingBackend`` (``submit``, ``status``, ``logs``,
  ``cancel``, ``list_jobs``); ``monitor.follow(backend, job_id, reporter, stop=...)``.
- ``registry.get_registry(settings) -> ModelRegistry`` (``upload_version``, ``list_versions``,
  ``list_models``); ``service.register_model(spec, status, settings)``.
- ``predict.predict(version, instances, settings) -> Prediction``.
- ``serving``: a ``cpr`` version (the project's LS007 predictor): its container spec, the
  Cloud Build request for its image; ``service.custom_serving`` builds what serves it.

The machine and container tables it reads live in ``liftshift.foundation.catalog``.
"""
