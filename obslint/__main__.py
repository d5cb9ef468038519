from obslint.cli import main

raise SystemExit(main())
