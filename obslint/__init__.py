"""obslint: a policy and config linter for GitOps monitoring repositories."""

__version__ = "0.1.0"
