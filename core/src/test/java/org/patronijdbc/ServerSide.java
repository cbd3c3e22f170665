package org.patronijdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the server itself says about a connection: which port it serves and whether it is a standby.
 */
record ServerSide(int port, boolean inRecovery) {

  static ServerSide of(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
      rs.next();
      return new ServerSide(rs.getInt(1), rs.getBoolean(2));
    }
  }
}
