from kgedit._entry import main

main()
