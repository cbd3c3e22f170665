package org.patronijdbc;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.patronijdbc.internal.Logins;
import org.patronijdbc.internal.MemberLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections one data source has open, by member, from the moment their login returns: so a
 * reroute can abort every one of them to a member that lost its role, threads blocked on a hung
 * member included. Each is counted in the cluster's member ledger while open.
 */
final class OpenConnections {

  private static final Logger log = LoggerFactory.getLogger(OpenConnections.class);

  private final Map<String, Set<PatroniConnection>> byMember = new ConcurrentHashMap<>();
  private final MemberLedger ledger;

  OpenConnections(MemberLedger ledger) {
    this.ledger = ledger;
  }

  /** Registers a connection that has just logged in. */
  void add(PatroniConnection connection) {
    byMember
        .computeIfAbsent(connection.memberName(), m -> ConcurrentHashMap.newKeySet())
        .add(connection);
    ledger.opened(connection.memberName());
  }

  /** A connection was closed or aborted (its {@code onClose}). */
  void released(PatroniConnection connection) {
    Set<PatroniConnection> toMember = byMember.get(connection.memberName());
    if (toMember != null) {
      toMember.remove(connection);
    }
    ledger.closed(connection.memberName());
  }

  /** How many are open now. */
  int count() {
    int count = 0;
    for (Set<PatroniConnection> toMember : byMember.values()) {
      count += toMember.size();
    }
    return count;
  }

  /**
   * Aborts every open connection to {@code member}, off the caller's thread (the monitor's, shared
   * by the cluster: closing a TLS socket waits for a writer stuck on a frozen member).
   *
   * @return how many were aborted
   */
  int abort(String member, String cluster) {
    List<PatroniConnection> toAbort = List.copyOf(byMember.getOrDefault(member, Set.of()));
    for (PatroniConnection connection : toAbort) {
      Logins.background(
          () -> {
            try {
              connection.abort(Runnable::run);
            } catch (SQLException e) {
              log.debug(
                  "{} - abort of a connection to {} failed: {}", cluster, member, e.toString());
            }
          });
    }
    return toAbort.size();
  }
}
