package org.patronijdbc;

import java.sql.Connection;
import java.sql.SQLException;
import org.patronijdbc.routing.TargetServerType;

/** A view of a {@link PatroniDataSource} with another target server type, e.g. its readOnly(). */
final class RoutedDataSource extends DataSourceBase {

  private final PatroniDataSource owner;
  private final TargetServerType type;

  RoutedDataSource(PatroniDataSource owner, TargetServerType type) {
    this.owner = owner;
    this.type = type;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return owner.connect(type, null, null);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return owner.connect(type, username, password);
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
    return owner + ".as(" + type + ")";
  }
}
