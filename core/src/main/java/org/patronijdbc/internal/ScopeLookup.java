package org.patronijdbc.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.patronijdbc.topology.ClusterTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni before 3.2 does not put the scope in {@code /cluster}: each endpoint's {@code /patroni}
 * is asked once (again after {@link #RETRY} when it failed), and its scope is added to the
 * endpoint's answers. Used on the monitor thread only.
 */
final class ScopeLookup {

  private static final Logger log = LoggerFactory.getLogger(ScopeLookup.class);
  private static final Duration RETRY = Duration.ofSeconds(60);

  /** Told of every request this sends. */
  interface Requests {
    void sent(String endpoint, long startedNanos, boolean answered);
  }

  private final PatroniRestClient rest;
  private final Requests requests;
  private final Map<String, String> scopes = new HashMap<>();
  private final Map<String, Long> triedAt = new HashMap<>();

  ScopeLookup(PatroniRestClient rest, Requests requests) {
    this.rest = rest;
    this.requests = requests;
  }

  /** {@code topology}, read from {@code endpoint}, with its scope when it lacked one. */
  ClusterTopology withScope(ClusterTopology topology, String endpoint, String cluster) {
    if (!topology.scope().isEmpty()) {
      return topology;
    }
    String known = scopes.get(endpoint);
    Long tried = triedAt.get(endpoint);
    if (known == null && (tried == null || System.nanoTime() - tried > RETRY.toNanos())) {
      long started = System.nanoTime();
      triedAt.put(endpoint, started);
      try {
        known = rest.fetchScope(endpoint);
        requests.sent(endpoint, started, true);
        scopes.put(endpoint, known);
      } catch (IOException e) {
        requests.sent(endpoint, started, false);
        log.debug("{} - no scope from {}/patroni: {}", cluster, endpoint, e.toString());
      }
    }
    return known == null
        ? topology
        : new ClusterTopology(
            known,
            topology.members(),
            topology.observedAt(),
            topology.source(),
            topology.leaderTimeline());
  }
}
