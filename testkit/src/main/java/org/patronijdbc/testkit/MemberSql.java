package org.patronijdbc.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

/** SQL on one member, straight through pgjdbc, as the cluster's superuser. */
final class MemberSql {

  private MemberSql() {}

  static Connection connect(Member member) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", PatroniCluster.SUPERUSER);
    props.setProperty("password", PatroniCluster.PASSWORD);
    props.setProperty("connectTimeout", "2");
    props.setProperty("loginTimeout", "5");
    props.setProperty("socketTimeout", "10");
    return DriverManager.getConnection(
        "jdbc:postgresql://" + member.host() + ":" + member.pgPort() + "/postgres", props);
  }

  static boolean isInRecovery(Member member) throws SQLException {
    try (Connection c = connect(member);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  /** The members (by application_name, which Patroni sets to the member name) streaming WAL. */
  static Set<String> streamingStandbys(Member leader) throws SQLException {
    Set<String> names = new HashSet<>();
    try (Connection c = connect(leader);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
