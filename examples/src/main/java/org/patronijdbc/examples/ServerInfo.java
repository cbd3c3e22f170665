package org.patronijdbc.examples;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What a server says about itself: the port it serves and whether it is a standby.
 *
 * @param port {@code inet_server_port()}
 * @param inRecovery {@code pg_is_in_recovery()}: true on a replica
 */
public record ServerInfo(int port, boolean inRecovery) {

  /** Asks the server behind {@code c}. */
  public static ServerInfo of(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
      rs.next();
      return new ServerInfo(rs.getInt(1), rs.getBoolean(2));
    }
  }
}
