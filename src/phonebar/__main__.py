from phonebar.cli import main

raise SystemExit(main())
