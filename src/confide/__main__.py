from confide.app import main

raise SystemExit(main())
