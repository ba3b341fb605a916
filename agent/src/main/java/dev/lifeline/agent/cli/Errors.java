package dev.lifeline.agent.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;

/** One-line, user-facing descriptions of exceptions (no class names where a plain word does). */
final class Errors {

    private Errors() {
    }

    static String describe(Throwable e) {
        if (e instanceof FileSystemException f) {
            return fileSystem(f);
        }
        if (e instanceof ReadOnlyFileSystemException) {
            return "read-only file system";
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            Throwable c = e.getCause();
            return c != null && c != e ? describe(c) : e.getClass().getSimpleName();
        }
        // Messages made of a nested exception's toString ("java.nio.file.AccessDeniedException: /x")
        // read better without the class name.
        return m.replace("java.nio.file.AccessDeniedException: ", "permission denied: ")
                .replace("java.nio.file.FileAlreadyExistsException: ", "a file is in the way: ")
                .replace("java.nio.file.NoSuchFileException: ", "no such file or directory: ")
                .replace("java.nio.file.NotDirectoryException: ", "not a directory: ")
                .replace("java.nio.file.FileSystemException: ", "");
    }

    private static String fileSystem(FileSystemException f) {
        String what;
        if (f instanceof AccessDeniedException) {
            what = "permission denied";
        } else if (f instanceof NoSuchFileException) {
            what = "no such file or directory";
        } else if (f instanceof FileAlreadyExistsException) {
            what = "already exists";
        } else if (f instanceof NotDirectoryException) {
            what = "not a directory";
        } else if (f instanceof DirectoryNotEmptyException) {
            what = "directory not empty";
        } else {
            what = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        }
        StringBuilder b = new StringBuilder();
        if (f.getFile() != null) {
            b.append(f.getFile());
            if (f.getOtherFile() != null) {
                b.append(" -> ").append(f.getOtherFile());
            }
            b.append(": ");
        }
        b.append(what);
        if (f.getReason() != null && !what.equals(f.getReason())) {
            b.append(" (").append(f.getReason()).append(')');
        }
        return b.toString();
    }
}
