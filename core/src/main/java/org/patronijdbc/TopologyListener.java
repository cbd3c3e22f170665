package org.patronijdbc;

import java.time.Duration;

/**
 * Hears about each change of the cluster's topology, once per change, on the monitor's thread.
 * Return quickly and do not block: every data source of the cluster shares that thread.
 */
@FunctionalInterface
public interface TopologyListener {

  /**
   * Called once for each new snapshot that differs from the one before in anything Patroni reported
   * (a role, a state, a lag, a tag, a timeline, a member), with the events between them, which may
   * be empty (a lag that moved). Exceptions are logged and otherwise ignored.
   */
  void onTopologyChange(TopologyChange change);

  /**
   * Called after each request the monitor sent to a Patroni REST API ({@code GET /cluster}, or
   * {@code GET /patroni} for the scope on Patroni before 3.2), answered or not. For metrics; the
   * default does nothing.
   *
   * @param endpoint the REST API's base URL, e.g. {@code http://127.0.0.1:8008} (never credentials)
   * @param took how long the request took
   * @param answered whether a usable answer came back (false: refused, timed out, not JSON)
   */
  default void onRestRequest(String endpoint, Duration took, boolean answered) {}
}
