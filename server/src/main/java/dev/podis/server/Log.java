package dev.podis.server;

import java.io.PrintStream;
import java.text.SimpleDateFormat;
import java.util.Date;

/**
 * Server log in redis-server's line format ({@code pid:M 26 Nov 2026 01:02:03.456 * message}),
 * to standard output so that the container runtime collects it.
 */
public final class Log {
    private static final long PID = ProcessHandle.current().pid();
    private static volatile PrintStream out = System.out;
    private static volatile int level = 2; // 0 debug, 1 verbose, 2 notice, 3 warning

    private Log() {
    }

    public static void level(String name) {
        switch (name) {
            case "debug": level = 0; break;
            case "verbose": level = 1; break;
            case "warning": level = 3; break;
            default: level = 2; break;
        }
    }

    public static void notice(String message) {
        log(2, '*', message);
    }

    public static void verbose(String message) {
        log(1, '-', message);
    }

    public static void warn(String message) {
        log(3, '#', message);
    }

    public static void warn(String message, Throwable t) {
        log(3, '#', message + ": " + t);
        if (level <= 1) {
            t.printStackTrace(out);
        }
    }

    /** Logs at Redis's level number (0 debug, 1 verbose, 2 notice, 3 warning), as redis.log does. */
    public static void at(int level, String message) {
        log(level, ".-*#".charAt(Math.max(0, Math.min(3, level))), message);
    }

    private static void log(int at, char mark, String message) {
        if (at < level) {
            return;
        }
        String time = new SimpleDateFormat("dd MMM yyyy HH:mm:ss.SSS").format(new Date());
        out.println(PID + ":M " + time + " " + mark + " " + message);
    }
}
