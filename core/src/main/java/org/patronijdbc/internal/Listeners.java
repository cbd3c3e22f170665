package org.patronijdbc.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.patronijdbc.TopologyChange;
import org.patronijdbc.TopologyEvent;
import org.patronijdbc.TopologyListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a cluster's listeners, on the monitor thread, and logs each named event once at INFO. A
 * listener that throws, {@link Error}s included, is logged and the others are still told: nothing a
 * listener does stops the polling.
 */
final class Listeners {

  private static final Logger log = LoggerFactory.getLogger(Listeners.class);

  private final List<TopologyListener> listeners = new CopyOnWriteArrayList<>();

  void add(TopologyListener listener) {
    listeners.add(listener);
  }

  void remove(TopologyListener listener) {
    listeners.remove(listener);
  }

  /** Logs {@code change}'s events and tells every listener. */
  void changed(String cluster, TopologyChange change) {
    for (TopologyEvent event : change.events()) {
      log.info("{} - {}", cluster, event.detail());
    }
    for (TopologyListener listener : listeners) {
      try {
        listener.onTopologyChange(change);
      } catch (Throwable e) {
        log.error("{} - topology listener {} failed", cluster, listener, e);
      }
    }
  }

  /** Tells every listener about one REST request. */
  void restRequest(String cluster, String endpoint, Duration took, boolean answered) {
    for (TopologyListener listener : listeners) {
      try {
        listener.onRestRequest(endpoint, took, answered);
      } catch (Throwable e) {
        log.error("{} - topology listener {} failed", cluster, listener, e);
      }
    }
  }
}
