package org.patronijdbc.routing;

import java.sql.SQLException;
import java.util.Arrays;
import org.patronijdbc.PatroniProperty;
import org.patronijdbc.internal.SqlState;

/** How a replica is picked among the fit ones; the {@code replicaSelection} property. */
public enum ReplicaSelection {
  /** Each connect starts at the next fit replica. */
  ROUND_ROBIN("roundRobin"),
  /** Each connect starts at a random fit replica. */
  RANDOM("random"),
  /** The fit replica with the fewest connections this JVM holds open goes first. */
  LEAST_CONNECTIONS("leastConnections");

  private final String spelling;

  ReplicaSelection(String spelling) {
    this.spelling = spelling;
  }

  /**
   * Parses the property value, case-insensitively.
   *
   * @throws SQLException 22023 listing the accepted values
   */
  public static ReplicaSelection fromString(String value) throws SQLException {
    return Arrays.stream(values())
        .filter(s -> value != null && s.spelling.equalsIgnoreCase(value.trim()))
        .findFirst()
        .orElseThrow(
            () ->
                SqlState.badValue(
                    PatroniProperty.REPLICA_SELECTION.getName(),
                    value,
                    String.join(", ", PatroniProperty.REPLICA_SELECTION.getChoices())));
  }

  @Override
  public String toString() {
    return spelling;
  }
}
