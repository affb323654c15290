// Keeps fairway_testing a valid library when it has no other sources.
