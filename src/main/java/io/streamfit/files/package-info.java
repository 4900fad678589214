/**
 * Local files read with reasons a user can act on: {@link io.streamfit.files.LocalFiles} reads
 * regular files only, with the size bound checked before anything is read;
 * {@link io.streamfit.files.PretrainedFiles} decides which files a spec's
 * {@code pretrained: {file: ...}} may name (inside the configured directory, after every symlink)
 * and reads them.
 *
 * <p>May use: {@code spec}.
 */
package io.streamfit.files;
