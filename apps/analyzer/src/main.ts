#!/usr/bin/env node
// Analyzer worker: frames queue → detector pool → tracker → rules → alerts queue. Settings: settings.ts.
import { createLogger, runService } from '@xl/observability';
import { startAnalyzer } from './analyzer.app';
import { loadAnalyzerSettings } from './settings';

const log = createLogger('analyzer');
runService('analyzer', log, () => startAnalyzer(loadAnalyzerSettings(), log));
