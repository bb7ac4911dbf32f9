import { type DynamicModule, Module } from '@nestjs/common';
import { BACKUP_OPTIONS, type BackupOptions, loadBackupOptions } from './backup.options';
import { BackupService } from './backup.service';

/** Scheduled backups of the embedded SQLite database (backup.service.ts). Options: BACKUP_* unless given. */
@Module({})
export class BackupModule {
  static forRoot(options?: BackupOptions): DynamicModule {
    return {
      module: BackupModule,
      providers: [{ provide: BACKUP_OPTIONS, useValue: options ?? loadBackupOptions(process.env) }, BackupService],
      exports: [BackupService],
    };
  }
}
