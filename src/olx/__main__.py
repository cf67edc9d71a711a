from olx.cli import main

main()
