package natspublisher_test

const childDatabaseEnv = "NATSPUBLISHER_CHILD_DATABASE"
