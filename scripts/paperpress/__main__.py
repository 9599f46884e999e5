from paperpress.cli import main

raise SystemExit(main())
