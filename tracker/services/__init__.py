"""Use cases: each public function is one transaction, with `now` and the actor passed in."""
