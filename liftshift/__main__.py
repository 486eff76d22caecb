from liftshift.cli import main

main()
