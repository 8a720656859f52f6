from incubator_tui.cli import main

raise SystemExit(main())
