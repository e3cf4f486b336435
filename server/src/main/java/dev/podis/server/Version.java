package dev.podis.server;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Podis's own version and the Redis version whose behaviour it follows (from the build). */
public final class Version implements CommandLine.IVersionProvider {
    public static final String PODIS;
    public static final String REDIS;

    static {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // defaults below
        }
        PODIS = p.getProperty("podis.version", "0.0.0");
        REDIS = p.getProperty("redis.version", "7.2.4");
    }

    @Override
    public String[] getVersion() {
        return new String[] {"Podis v=" + PODIS + " redis_version=" + REDIS};
    }
}
