"""Demo: a small portfolio dated around today, with a year of compliance history and a
web sign-in for its contract manager."""

from tracker.demo.portfolio import load_demo
from tracker.demo.sign_in import DemoSignIn

__all__ = ["DemoSignIn", "load_demo"]
