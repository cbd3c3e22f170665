package org.patronijdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.patronijdbc.internal.MonitorRegistry;
import org.patronijdbc.internal.PatroniConfig;
import org.patronijdbc.internal.Secrets;
import org.patronijdbc.internal.TopologyMonitor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connectors of {@link java.sql.DriverManager} connections, one per configuration. Nobody
 * closes a driver, so a connector gives its monitor back once none of its connections has been open
 * for {@link #idleReleaseMs}, and takes one again on the next connect. Keys hold no password.
 */
final class DriverConnectors {

  private static final Logger log = LoggerFactory.getLogger(DriverConnectors.class);
  static final long DEFAULT_IDLE_RELEASE_MS = 60_000;

  /** How long a connector stays idle before its monitor is released; lowered by tests. */
  static volatile long idleReleaseMs = DEFAULT_IDLE_RELEASE_MS;

  private final Map<Object, Entry> entries = new HashMap<>(); // guarded by this
  private ScheduledExecutorService sweeper; // guarded by this

  /**
   * Opens a connection for {@code config}, starting its connector and monitor if needed.
   *
   * @param key the configuration's key, without passwords ({@link Secrets#keyWithoutSecrets})
   */
  Connection connect(Object key, PatroniConfig config) throws SQLException {
    Entry entry = enter(key, config);
    try {
      return entry.connector.connect(config.targetServerType(), null, null);
    } finally {
      leave(entry);
    }
  }

  /**
   * Stops every monitor the driver started. Open connections keep working; the next connect starts
   * a monitor again.
   *
   * @return how many connectors were released
   */
  int releaseAll() {
    List<TopologyMonitor> released = new ArrayList<>();
    ScheduledExecutorService stopped;
    synchronized (this) {
      for (Entry entry : entries.values()) {
        released.add(entry.connector.monitor());
        entry.connector.release();
      }
      entries.clear();
      stopped = sweeper;
      sweeper = null;
    }
    if (stopped != null) {
      stopped.shutdownNow();
    }
    awaitStopped(released, stopped);
    return released.size();
  }

  /** How many connectors hold a monitor now (for tests). */
  synchronized int size() {
    return entries.size();
  }

  private synchronized Entry enter(Object key, PatroniConfig config) {
    Entry entry = entries.get(key);
    if (entry == null) {
      entry = new Entry(new ClusterConnector(config, MonitorRegistry.acquire(config)));
      entries.put(key, entry);
      startSweeper();
    }
    entry.connecting++;
    entry.idle = false;
    return entry;
  }

  private synchronized void leave(Entry entry) {
    entry.connecting--;
  }

  private void startSweeper() {
    if (sweeper != null) {
      return;
    }
    long period = Math.max(10, idleReleaseMs / 4);
    sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "patroni-jdbc-driver-idle");
              t.setDaemon(true);
              // not the loader of the application that connected first: it may be redeployed
              t.setContextClassLoader(DriverConnectors.class.getClassLoader());
              return t;
            });
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  private synchronized void sweep() {
    long now = System.nanoTime();
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry entry = it.next();
      if (entry.connecting > 0 || entry.connector.openConnections() > 0) {
        entry.idle = false;
      } else if (!entry.idle) {
        entry.idle = true;
        entry.idleSinceNanos = now;
      } else if (now - entry.idleSinceNanos >= TimeUnit.MILLISECONDS.toNanos(idleReleaseMs)) {
        it.remove();
        entry.connector.release();
        log.debug(
            "{} - no DriverManager connection open for {} ms; monitor released",
            entry.connector.monitor().name(),
            idleReleaseMs);
      }
    }
    if (entries.isEmpty() && sweeper != null) {
      sweeper.shutdown(); // this very task ends with it
      sweeper = null;
    }
  }

  private static void awaitStopped(
      List<TopologyMonitor> monitors, ScheduledExecutorService sweeper) {
    try {
      for (TopologyMonitor monitor : monitors) {
        if (monitor.isClosed()) {
          monitor.awaitStopped(2000);
        }
      }
      if (sweeper != null) {
        sweeper.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Entry {
    final ClusterConnector connector;
    int connecting;
    boolean idle;
    long idleSinceNanos;

    Entry(ClusterConnector connector) {
      this.connector = connector;
    }
  }
}
