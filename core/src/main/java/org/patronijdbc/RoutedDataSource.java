package org.patronijdbc;

import java.sql.Connection;
import java.sql.SQLException;
import org.patronijdbc.routing.TargetServerType;

/**
 * A view of a {@link PatroniDataSource} with another target server type, e.g. its readOnly(),
 * optionally pinned to one member.
 */
final class RoutedDataSource extends DataSourceBase {

  private final PatroniDataSource owner;
  private final TargetServerType type;
  private final String member;

  /**
   * @param member the only member to connect to, or null for any fit one
   */
  RoutedDataSource(PatroniDataSource owner, TargetServerType type, String member) {
    this.owner = owner;
    this.type = type;
    this.member = member;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return owner.connect(type, null, null, member);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return owner.connect(type, username, password, member);
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return owner.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || owner.isWrapperFor(iface);
  }

  @Override
  public String toString() {
    return owner + ".as(" + type + (member == null ? "" : ", " + member) + ")";
  }
}
