import { render } from 'preact';
import './styles.css';
import { App } from './App';
import { startEvents } from './events';
import { getState, loadStatus, refreshCounts } from './store';

document.documentElement.lang = getState().lang;
render(<App />, document.getElementById('app')!);
void loadStatus().then(() => refreshCounts());
void startEvents();
