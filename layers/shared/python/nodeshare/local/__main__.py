from nodeshare.local.stack import main

main()
