package org.patronijdbc;

import java.util.List;
import org.patronijdbc.topology.ClusterTopology;

/**
 * One change of the cluster's topology: the snapshot before, the one after, and the events between
 * them.
 *
 * @param previous the snapshot before, or null for the first one
 * @param current the snapshot after
 * @param events what changed, in a few words each; empty when only figures such as a lag moved
 */
public record TopologyChange(
    ClusterTopology previous, ClusterTopology current, List<TopologyEvent> events) {

  /** Copies the events. */
  public TopologyChange {
    events = List.copyOf(events);
  }
}
