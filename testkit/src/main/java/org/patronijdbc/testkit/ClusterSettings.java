package org.patronijdbc.testkit;

import java.util.Map;

/** What a {@link PatroniCluster.Builder} collected; immutable. */
record ClusterSettings(
    int members,
    int ttl,
    int loopWait,
    int retryTimeout,
    boolean synchronousMode,
    int primaryStartTimeout,
    boolean restTls,
    Map<String, Map<String, Object>> tags,
    Map<String, String> postgresParameters,
    java.nio.file.Path patroni) {

  ClusterSettings {
    tags = Map.copyOf(tags);
    postgresParameters = Map.copyOf(postgresParameters);
  }

  Map<String, Object> tagsOf(String member) {
    return tags.getOrDefault(member, Map.of());
  }
}
