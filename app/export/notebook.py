"""The NumPy script as a Jupyter notebook: one markdown title and one code cell per step."""

from __future__ import annotations

from app.export.numpy_script import Run, header, sections


def notebook(run: Run, filename: str = "mlp_run.ipynb") -> str:
    """The notebook's JSON text (nbformat 4, validated)."""
    # Imported here, not at the top: nbformat (with its JSON-schema validator) takes ~0.3 s to
    # import, paid by every server start for a download few runs ask for.
    import nbformat
    from nbformat import v4

    intro = header(run, filename).strip('"\n')
    intro = intro.replace("Run it:  python " + filename, "Run it: Kernel > Restart & Run All")
    cells = [
        v4.new_markdown_cell(  # type: ignore[no-untyped-call]
            intro.replace("\n\n", "\n\n").replace("\n", "  \n")
        )
    ]
    for section in sections(run):
        cells.append(v4.new_markdown_cell(f"## {section.title}"))  # type: ignore[no-untyped-call]
        cells.append(v4.new_code_cell(section.code))  # type: ignore[no-untyped-call]
    book = v4.new_notebook(  # type: ignore[no-untyped-call]
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(book)
    return str(nbformat.writes(book))  # type: ignore[no-untyped-call]
