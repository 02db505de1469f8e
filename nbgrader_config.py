"""nbgrader configuration for the course (read by every `nbgrader` command run from this folder).

The chapters in `chapters/` are the instructor notebooks. `scripts/nbgrader_course.py release`
copies each chapter into nbgrader's course layout under `build/nbgrader/` (one assignment per
chapter: `source/NN_name/NN_name.ipynb`), runs `nbgrader generate_assignment` and collects the
student notebooks in `release/NN_name/`. Both folders are generated, never committed.

From the repository root, the usual nbgrader commands then work on that course directory:

    nbgrader release_assignment 01_data_preprocessing   # publish to the exchange
    nbgrader collect 01_data_preprocessing              # fetch the students' submissions
    nbgrader autograde 01_data_preprocessing            # run and score them
    nbgrader generate_feedback 01_data_preprocessing    # HTML feedback per student

See INSTRUCTORS.md for the whole workflow.
"""

from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

HERE = Path(__file__).resolve().parent

# One course, one assignment per chapter. The exchange (shared folder on a JupyterHub)
# keys everything by this id.
c.CourseDirectory.course_id = "mmbm"

# nbgrader's course directory: source/, release/, submitted/, autograded/, feedback/ and
# gradebook.db all live here (generated; `build/` is ignored by git).
c.CourseDirectory.root = str(HERE / "build" / "nbgrader")

# A chapter trains small models: in default mode a single cell may run for minutes on
# two CPU cores, so allow 15 minutes per cell (the same limit the notebook tests use).
c.Execute.timeout = 900
c.Execute.interrupt_on_timeout = True

# What the learner sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The exchange is the shared folder through which assignments are released and
# collected; nbgrader's default is /srv/nbgrader/exchange (see INSTRUCTORS.md). Override it
# on the command line, e.g. `--Exchange.root=/tmp/exchange`, to try the flow on one machine.
