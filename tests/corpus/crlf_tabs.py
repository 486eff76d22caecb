import argparse
import os


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
	parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
	args = parser.parse_args()
	if args.train:
		print("training on", args.train)
	with open(os.path.join(args.model_dir, "model.txt"), "w") as f:
		f.write("ok")


if __name__ == "__main__":
	main()
