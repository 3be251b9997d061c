"""One widget per module; ``gdexplorer.gui.mainwindow`` composes and wires them."""
