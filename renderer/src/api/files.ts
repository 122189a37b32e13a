/**
 * Files from a drop in a browser, where dropped folders have no path: walk them with the
 * File and Directory Entries API and keep their PDFs (folders are searched recursively, as
 * the core does with folder paths). Files dropped directly are kept whatever their type, so
 * the core can say why one is not a PDF.
 */
export async function filesFromDrop(data: DataTransfer): Promise<File[]> {
  const entries = [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry())
    .filter((entry): entry is FileSystemEntry => entry !== null);
  if (entries.length === 0) return [...data.files];
  const files: File[] = [];
  for (const entry of entries) {
    if (entry.isFile) files.push(await fileOf(entry as FileSystemFileEntry));
    else await collectPdfs(entry as FileSystemDirectoryEntry, files);
  }
  return files;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function collectPdfs(directory: FileSystemDirectoryEntry, into: File[]): Promise<void> {
  const reader = directory.createReader();
  for (;;) {
    // readEntries returns the folder in batches; an empty batch is the end.
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const entry of batch) {
      if (entry.isDirectory) await collectPdfs(entry as FileSystemDirectoryEntry, into);
      else if (entry.isFile && /\.pdf$/i.test(entry.name)) into.push(await fileOf(entry as FileSystemFileEntry));
    }
  }
}
