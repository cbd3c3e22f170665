package org.patronijdbc.testkit;

/** The fault scenarios on the run's shared cluster of local processes. */
@PatroniTest
class PatroniClusterFaultsIT extends ClusterFaultScenarios {}
