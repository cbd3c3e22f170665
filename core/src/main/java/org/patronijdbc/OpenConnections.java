package org.patronijdbc;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.patronijdbc.internal.Logins;
import org.patronijdbc.internal.MemberLedger;
import org.patronijdbc.internal.ReadYourWrites;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections one data source has open, by member, from the moment their login returns: so a
 * reroute can abort every one of them to a member that lost its role, threads blocked on a hung
 * member included. Each is counted in the cluster's member ledger while open. They are held weakly:
 * one the application forgot can be collected, and counts as closed then.
 */
final class OpenConnections {

  private static final Logger log = LoggerFactory.getLogger(OpenConnections.class);

  /** A registered connection, held weakly, with what releases it once. */
  private static final class Tracked extends WeakReference<PatroniConnection> {
    final Runnable release;

    Tracked(PatroniConnection c, ReferenceQueue<PatroniConnection> queue, Runnable release) {
      super(c, queue);
      this.release = release;
    }
  }

  private final Map<String, Map<Long, Tracked>> byMember = new ConcurrentHashMap<>();
  private final ReferenceQueue<PatroniConnection> collected = new ReferenceQueue<>();
  private final AtomicLong ids = new AtomicLong();
  private final MemberLedger ledger;

  OpenConnections(MemberLedger ledger) {
    this.ledger = ledger;
  }

  /**
   * A connection to {@code member} that has just logged in, registered from now until it is closed,
   * aborted or collected. Connections the application dropped unclosed and the collector took are
   * released here, at the next registration (no thread of its own: pgjdbc's cleaner closes their
   * sockets).
   */
  PatroniConnection add(
      Connection delegate, String member, boolean fallback, String url, ReadYourWrites writes) {
    releaseCollected();
    long id = ids.incrementAndGet();
    Map<Long, Tracked> toMember = byMember.computeIfAbsent(member, m -> new ConcurrentHashMap<>());
    AtomicBoolean released = new AtomicBoolean();
    // the release holds no reference to the connection, so an unclosed one can be collected
    Runnable release =
        () -> {
          if (released.compareAndSet(false, true)) {
            toMember.remove(id);
            ledger.closed(member);
          }
        };
    PatroniConnection connection =
        new PatroniConnection(delegate, member, fallback, url, writes, release);
    toMember.put(id, new Tracked(connection, collected, release));
    ledger.opened(member);
    return connection;
  }

  private void releaseCollected() {
    for (Reference<? extends PatroniConnection> r = collected.poll();
        r != null;
        r = collected.poll()) {
      ((Tracked) r).release.run();
    }
  }

  /** How many are open now. */
  int count() {
    releaseCollected();
    int count = 0;
    for (Map<Long, Tracked> toMember : byMember.values()) {
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
    List<PatroniConnection> toAbort = new ArrayList<>();
    for (Tracked ref : byMember.getOrDefault(member, Map.of()).values()) {
      PatroniConnection c = ref.get();
      if (c != null) {
        toAbort.add(c);
      }
    }
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
