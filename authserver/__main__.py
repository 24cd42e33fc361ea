from authserver.commands import main

main()
