"""What the scanner recognises, in one place: estimator classes, save and read calls, handlers.

Names are matched after import aliases are resolved (``pd`` → ``pandas``, ``tf`` → ``tensorflow``),
so the tables speak in qualified names.
"""

from __future__ import annotations

ESTIMATORS: dict[str, str | None] = {
    "SKLearn": "sklearn",
    "TensorFlow": "tensorflow",
    "PyTorch": "pytorch",
    "XGBoost": "xgboost",
    "HuggingFace": "huggingface",
    "MXNet": "mxnet",
    "Chainer": "chainer",
    "RLEstimator": None,
    "Estimator": None,
    "Framework": None,
    "ModelTrainer": None,
}
"""Estimator class (last name) → framework. ``ModelTrainer`` is SDK v3."""

V3_CLASSES = frozenset({"ModelTrainer"})

FIT_METHODS = frozenset({"fit", "train"})

SM_PREFIXES = ("SM_", "SAGEMAKER_")
"""Environment names the SageMaker training toolkit sets."""

OPT_ML = "/opt/ml"

MIGRATED_PATH = "_liftshift_path"
"""How a migrated trainer reads what was a path (LS002/LS003's runtime helpers, written into the
file by ``codemods.runtime``): ``_liftshift_path(...)`` around a flag read, and the ``type=``
of an argparse path flag (channels and ``--job-dir``)."""
MIGRATED_FLAG_READ = "_liftshift_arg"
"""``_liftshift_arg("--flag", env, default)``: a channel's folder inside ``_liftshift_path``
(a hyperparameter otherwise)."""
MIGRATED_CHANNEL_READS = frozenset({"_liftshift_required_arg"})
"""Helpers whose literal first argument is always a channel flag (a required channel)."""
MIGRATED_CHANNEL_FLAG_LISTS = frozenset({"_liftshift_hyperparameters"})
"""Helpers whose literal arguments are the channel flags (kept out of the hyperparameters)."""
MIGRATED_CHANNEL_TABLES = frozenset({"_liftshift_config_dir", MIGRATED_FLAG_READ})
"""Helpers given a ``{"channel": "--flag"}`` table (``_liftshift_config_dir({...})``,
``_liftshift_arg({...}.get(name))``)."""
MODEL_DIR_FLAG = "--job-dir"
"""The model folder's flag in a migrated trainer: never a channel."""

ENV_SUBSCRIPT = frozenset({"os.environ"})
ENV_GET = frozenset({"os.environ.get", "os.environ.setdefault", "os.environ.pop"})
ENV_GETENV = frozenset({"os.getenv"})
JSON_LOADS = frozenset({"json.loads", "json.load", "ast.literal_eval"})

SAGEMAKER_TRAINING_ENV = frozenset(
    {
        "sagemaker_training.environment.Environment",
        "sagemaker_training.env.TrainingEnv",
        "sagemaker_containers.training_env",
        "sagemaker_containers.beta.framework.training_env",
    }
)

TOOLKIT_CHANNEL_DIRS = "channel_input_dirs"
"""``env.channel_input_dirs["train"]`` of the toolkit's environment: ``SM_CHANNEL_TRAIN``."""

SAVE_FUNCTIONS = frozenset(
    {
        "joblib.dump",
        "sklearn.externals.joblib.dump",
        "pickle.dump",
        "dill.dump",
        "cloudpickle.dump",
        "torch.save",
        "torch.jit.save",
        "tensorflow.saved_model.save",
        "tensorflow.keras.models.save_model",
        "keras.models.save_model",
        "keras.saving.save_model",
        "mlflow.sklearn.save_model",
        "mlflow.pytorch.save_model",
        "mlflow.tensorflow.save_model",
    }
)

SAVE_METHODS = frozenset({"save", "save_model", "save_pretrained", "save_weights"})
"""``<object>.save(...)``-style model saves (Keras, XGBoost boosters, transformers)."""

NOT_MODEL_SAVERS = frozenset({"numpy", "np", "plt", "matplotlib", "PIL", "Image"})

READ_FUNCTIONS = frozenset(
    {
        "open",
        "numpy.load",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "tensorflow.data.TFRecordDataset",
        "tensorflow.data.TextLineDataset",
        "tensorflow.data.experimental.make_csv_dataset",
        "tensorflow.data.Dataset.list_files",
        "tensorflow.io.gfile.glob",
        "tensorflow.io.gfile.listdir",
        "glob.glob",
        "glob.iglob",
        "os.listdir",
        "os.scandir",
        "os.walk",
        "datasets.load_from_disk",
        "datasets.load_dataset",
        "torchvision.datasets.ImageFolder",
        "PIL.Image.open",
        "xgboost.DMatrix",
        "sagemaker_tensorflow.PipeModeDataset",
    }
)
READ_PREFIXES = ("pandas.read_",)

PIPE_MODE_READERS = frozenset({"sagemaker_tensorflow.PipeModeDataset"})

INFERENCE_HANDLERS = frozenset(
    {"model_fn", "predict_fn", "output_fn", "transform_fn", "input_handler", "output_handler"}
)
REQUEST_INPUT_FN = "input_fn"
"""``input_fn`` is an inference handler only with a request signature
(``input_fn(request_body, request_content_type)``); TensorFlow trainers use the same name for
their training input pipeline."""

SAGEMAKER_ONLY_LIBRARIES = {
    "smdistributed": "SageMaker's distributed training library; on Vertex AI use the framework's "
    "own (torch.distributed with NCCL, tf.distribute): Vertex sets CLUSTER_SPEC and TF_CONFIG",
    "smdebug": "SageMaker Debugger has no Vertex AI equivalent (use TensorBoard or Vertex AI "
    "Experiments)",
    "sagemaker_tensorflow": "SageMaker Pipe mode datasets; read the channel's files instead",
    "sagemaker_training": "the SageMaker training toolkit; Vertex AI passes settings as AIP_* "
    "variables and command-line arguments",
    "sagemaker_containers": "the (retired) SageMaker containers toolkit; Vertex AI passes settings "
    "as AIP_* variables and command-line arguments",
    "sagemaker_inference": "the SageMaker serving toolkit; Vertex prebuilt prediction containers "
    "load the model artifact directly",
    "sagemaker": "the SageMaker SDK inside a training script needs AWS credentials at run time",
}
"""Top-level modules that exist only on SageMaker, with what to do instead."""

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        ".liftshift",
        "__pycache__",
        ".ipynb_checkpoints",
    }
)
"""Never scanned: tool state, and Jupyter's stale copies of scripts (never entry points)."""

FRAMEWORK_IMPORTS = (
    ("xgboost", "xgboost"),
    ("tensorflow", "tensorflow"),
    ("keras", "tensorflow"),
    ("torch", "pytorch"),
    ("transformers", "pytorch"),
    ("mxnet", "mxnet"),
    ("sklearn", "sklearn"),
    ("lightgbm", "sklearn"),
    ("catboost", "sklearn"),
)
"""Top-level import → the prebuilt-container framework a trainer with no launcher needs, in
order of precedence (an XGBoost trainer also imports sklearn for its metrics; LightGBM and
CatBoost run on the scikit-learn image with their package installed)."""

FRAMEWORK_DISTRIBUTIONS = {
    "xgboost": ("xgboost",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "keras"),
    "pytorch": ("torch",),
    "mxnet": ("mxnet", "mxnet-cu112"),
    "sklearn": ("scikit-learn", "sklearn"),
}
"""Framework → the distributions in ``requirements.txt`` whose pin gives its version."""

"""Import name → PyPI distribution, for ``install_requires`` when a trainer ships no
``requirements.txt``. A module not listed here (and not in the standard library or the project)
is assumed to install under its own name; "" means "never a requirement" (namespace packages)."""
