"""The harness itself: a notebook runs in JupyterLab and its kernel state is readable."""


def test_notebook_runs_and_kernel_state_is_readable(notebook):
    nb = notebook(["x = 6 * 7\nprint('answer', x)"])
    nb.run_all()
    assert nb.page.locator(".jp-OutputArea-output", has_text="answer 42").count() == 1
    assert nb.kernel("print(x + 1)").strip() == "43"
