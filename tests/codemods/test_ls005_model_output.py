from liftshift.codemods.ls005_model_output import RULE
from tests.codemods.helpers import assert_codemod, run


def test_joblib_name_is_what_the_sklearn_container_loads_everywhere_in_the_file() -> None:
    assert_codemod(
        RULE,
        """\
        import joblib, os
        joblib.dump(clf, os.path.join(args.job_dir, "rf-model.joblib"))


        def load(model_dir):
            return joblib.load(os.path.join(model_dir, "rf-model.joblib"))
        """,
        """\
        import joblib, os
        joblib.dump(clf, os.path.join(args.job_dir, "model.joblib"))


        def load(model_dir):
            return joblib.load(os.path.join(model_dir, "model.joblib"))
        """,
    )


def test_pickle_and_xgboost_names() -> None:
    out = run(
        RULE, "import pickle, os\npickle.dump(m, open(os.path.join(d, 'clf.pickle'), 'wb'))\n"
    )
    assert "os.path.join(d, 'model.pkl')" in out
    # an XGBoost file saving both: the booster's own format is the one artifact served
    out = run(
        RULE,
        "import pickle, os\nimport xgboost as xgb\n"
        "pickle.dump(m, open(os.path.join(d, 'clf.pickle'), 'wb'))\n"
        "bst.save_model(os.path.join(d, 'xgboost-model'))\n",
    )
    assert "os.path.join(d, 'clf.pickle')" in out
    assert "os.path.join(d, 'model.bst')" in out


def test_savedmodel_goes_to_the_model_dir_root() -> None:
    assert_codemod(
        RULE,
        "tf.saved_model.save(m, os.path.join(args.job_dir, '000000001'))\n"
        "model.save(os.path.join(model_dir, '1'))\n",
        "tf.saved_model.save(m, args.job_dir)\nmodel.save(model_dir)\n",
    )


def test_inference_handlers_and_torch_save_get_todos() -> None:
    source = (
        "import torch\n\n\ndef model_fn(model_dir):\n    return torch.load(model_dir)\n\n\n"
        "def input_fn(request_body, request_content_type):\n    return request_body\n\n\n"
        "def input_fn_train(features, labels):\n    return features\n\n\n"
        "torch.save(net.state_dict(), path)\n"
    )
    once = run(RULE, source)
    assert "# TODO(liftshift): LS005: model_fn is a SageMaker inference handler" in once
    assert "# TODO(liftshift): LS005: input_fn is a SageMaker inference handler" in once
    assert "TorchServe archive" in once
    assert run(RULE, once) == once


def test_tensorflow_training_input_fn_is_not_a_handler() -> None:
    source = "def input_fn(channel_dir, batch_size, shuffle):\n    return None\n"
    assert run(RULE, source) == source


def test_no_op_when_names_are_already_right() -> None:
    source = "import joblib\njoblib.dump(m, os.path.join(d, 'model.joblib'))\n"
    assert run(RULE, source) == source
