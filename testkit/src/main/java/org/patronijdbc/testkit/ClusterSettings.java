package org.patronijdbc.testkit;

import java.util.Map;
import java.util.Optional;

/** What a {@link PatroniCluster.Builder} collected; immutable. */
record ClusterSettings(
    int members,
    int ttl,
    int loopWait,
    int retryTimeout,
    boolean synchronousMode,
    boolean quorumCommit,
    int primaryStartTimeout,
    boolean restTls,
    Map<String, Map<String, Object>> tags,
    Map<String, String> postgresParameters,
    java.nio.file.Path patroni) {

  ClusterSettings {
    tags = Map.copyOf(tags);
    postgresParameters = Map.copyOf(postgresParameters);
  }

  /**
   * Patroni's {@code synchronous_mode} for the DCS: {@code "quorum"} for quorum commit (which is a
   * synchronous mode of its own, whatever {@link #synchronousMode} says), else true or false.
   */
  Object synchronousModeSetting() {
    return quorumCommit ? "quorum" : synchronousMode;
  }

  /**
   * The role Patroni gives a synchronous standby in {@code /cluster} ({@code quorum_standby} under
   * quorum commit, {@code sync_standby} in synchronous mode), or empty when the cluster runs
   * asynchronous.
   */
  Optional<String> synchronousRole() {
    if (quorumCommit) {
      return Optional.of("quorum_standby");
    }
    return synchronousMode ? Optional.of("sync_standby") : Optional.empty();
  }

  Map<String, Object> tagsOf(String member) {
    return tags.getOrDefault(member, Map.of());
  }
}
